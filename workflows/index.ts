// Every workflow type the worker registers. Type names are the exported function names: frozen.
export { ticketLifecycle } from './ticket-lifecycle';
export { privilegeLifecycle } from './privilege-lifecycle';
export { injectTickets, pushCancelled, pushControlled, feedbackSync, injectPrivileges } from './functions';
export { injectionFanout } from './fanout';
export { deletionWaiter } from './deletion-waiter';
