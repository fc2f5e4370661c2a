// The queues of the poll fan-out (POLL_FANOUT=queue), a module of their own so the pollWorker
// function can name its trigger without loading the planner.

/** The Storage queue the timer fills and the pollWorker function drains (infra creates it). */
export const POLL_WORK_QUEUE = 'poll-work';

/** Where the Functions host moves a message after its last failed attempt. */
export const POLL_WORK_POISON_QUEUE = `${POLL_WORK_QUEUE}-poison`;
