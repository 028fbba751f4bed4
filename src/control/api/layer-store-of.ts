/**
 * The layer store a control context uses: the one `lamina serve` wires as its `layers`, or one
 * over the context's settings (a context made without it, as in the unit tests), so that
 * publishing layers and counting their archives in the account's code storage see the same versions.
 */
import { LayerStore } from '../layer-store.js';
import type { ControlContext } from './control-context.js';

const stores = new WeakMap<ControlContext, LayerStore>();

/**
 * The context's layer store (`layers`, as `lamina serve` wires it), or one over its settings.
 *
 * @example
 * layerStoreOf(context).versions('deps'); // newest first
 */
export function layerStoreOf(context: ControlContext): LayerStore {
  if (context.layers instanceof LayerStore) return context.layers;
  let store = stores.get(context);
  if (store === undefined) {
    store = new LayerStore(context);
    stores.set(context, store);
  }
  return store;
}
