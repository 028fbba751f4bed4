/**
 * GetAccountSettings: the account's limits as Lambda reports them (docs/limits.md), the
 * registry's live concurrency figures, and the account's usage: the functions it holds and the
 * bytes of the packages its versions use (src/control/api/code-store.ts, each package once).
 */
import { accountCodeBytes } from './code-store.js';
import type { HandlerTable } from './control-context.js';

/** Lambda's default code storage for an account: 75 GB. */
export const CODE_STORAGE_LIMIT = 80_530_636_800;

export const ACCOUNT_HANDLERS: HandlerTable = {
  GetAccountSettings: (context, call) => {
    const concurrency = context.registry.accountConcurrency();
    return Promise.resolve({
      status: call.successStatus,
      body: {
        AccountLimit: {
          TotalCodeSize: context.codeStorageLimit ?? CODE_STORAGE_LIMIT,
          CodeSizeUnzipped: 262_144_000,
          CodeSizeZipped: 52_428_800,
          ConcurrentExecutions: concurrency.ConcurrentExecutions,
          UnreservedConcurrentExecutions: concurrency.UnreservedConcurrentExecution,
        },
        AccountUsage: { TotalCodeSize: accountCodeBytes(context), FunctionCount: context.registry.names.length },
      },
    });
  },
};
