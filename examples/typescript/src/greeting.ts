/** A greeting for a name; an empty name is refused (to show a stack trace that names this file). */
export function greeting(name: string): string {
  if (name.trim() === '') {
    throw new RangeError('name must not be empty');
  }
  return `Hello, ${name}, from TypeScript`;
}
