/** What every action handler receives: the state, the authenticated caller and the Query parameters. */
import type { Params } from './query.js';
import type { DoubleState, Principal } from './state.js';

export interface ActionContext {
  state: DoubleState;
  principal: Principal;
  params: Params;
}

/** Returns the inner XML of `<{Action}Result>`, or undefined for actions that have no result element. */
export type ActionHandler = (ctx: ActionContext) => string | undefined;
