export interface PeerFunction { readonly name: string; readonly handlerDir: string; readonly handler: string; readonly memoryMb: number; readonly timeoutSeconds: number }
export interface RunningPeer { readonly name: string; invoke(payload: Uint8Array): Promise<{ status: number; body: Uint8Array }>; stop(): Promise<void> }
export interface Peer { readonly name: string; /** why it cannot run here, or undefined */ available(): Promise<string | undefined>; start(fn: PeerFunction, options: { cold: boolean }): Promise<RunningPeer> }
