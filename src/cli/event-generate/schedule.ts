/**
 * `lamina event generate schedule rule|scheduler`: what a schedule sends its function, built by
 * `scheduledPayload` as the scheduler of `lamina serve` builds each firing.
 */
import { scheduledPayload } from '../../event-sources/schedule/scheduled-event.js';
import type { EventKind, EventSourceGenerator, GenerateContext, OptionValues } from './generator-types.js';
import { jsonText, resourceName } from './option-values.js';

function scheduleKind(kind: 'rule' | 'scheduler', description: string, defaultName: string): EventKind {
  return {
    name: kind,
    description,
    options: [
      { name: 'name', description: `The ${kind === 'rule' ? 'rule' : 'schedule'}'s name (in resources[0])`, default: defaultName },
      { name: 'input', description: "The target's Input: JSON sent as it is instead of the default event" },
    ],
    build: (values: OptionValues, context: GenerateContext): unknown => {
      const payload = scheduledPayload({ kind, name: resourceName(values, 'name'), input: jsonText(values, 'input') }, context.now, context);
      return JSON.parse(payload.toString('utf8'));
    },
  };
}

export const scheduleGenerator: EventSourceGenerator = {
  name: 'schedule',
  description: 'Schedules (Events: Schedule, ScheduleV2)',
  kinds: [
    scheduleKind('rule', "An EventBridge rule's Scheduled Event (Events: Schedule)", 'MyScheduleRule'),
    scheduleKind('scheduler', "An EventBridge Scheduler schedule's event (Events: ScheduleV2; detail is the string \"{}\")", 'MySchedule'),
  ],
};
