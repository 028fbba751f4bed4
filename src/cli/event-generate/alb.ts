/**
 * `lamina event generate alb request`: the event an Application Load Balancer sends a Lambda
 * target, built by the ALB front end's `albEvent` (with or without multi-value headers).
 */
import { targetGroupArn, type AlbTargetGroup } from '../../config/alb-targets.js';
import { albEvent } from '../../front-ends/alb/alb-event.js';
import type { EventSourceGenerator } from './generator-types.js';
import { flag, resourceName, text } from './option-values.js';
import { requestOptions, sampleRequest } from './sample-request.js';
import { ConfigError } from '../../errors.js';

export const albGenerator: EventSourceGenerator = {
  name: 'alb',
  description: 'Application Load Balancer Lambda targets',
  kinds: [{
    name: 'request',
    description: 'A request forwarded to a Lambda target group',
    options: [
      ...requestOptions('/lambda'),
      { name: 'target-group', description: "The target group's name (in its ARN)", default: 'my-target-group' },
      { name: 'multi-value-headers', description: "The target group's lambda.multi_value_headers.enabled", flag: true },
      { name: 'listener-port', description: "The listener's port (x-forwarded-port)", default: '80' },
    ],
    build: (values, context) => {
      const name = resourceName(values, 'target-group');
      const listenerPort = Number(text(values, 'listener-port'));
      if (!Number.isInteger(listenerPort) || listenerPort < 1 || listenerPort > 65535) throw new ConfigError(`--listener-port must be a port from 1 to 65535, got ${JSON.stringify(text(values, 'listener-port'))}`);
      const targetGroup: AlbTargetGroup = { id: name, arn: targetGroupArn(name, name, context.region, context.accountId), functionName: 'Function', multiValueHeaders: flag(values, 'multi-value-headers') };
      const request = sampleRequest(values, `my-alb-1234567890.${context.region}.elb.amazonaws.com`, context.now);
      return albEvent(request, { targetGroup, listenerPort });
    },
  }],
};
