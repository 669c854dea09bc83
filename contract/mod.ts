/**
 * What the scheduler, the executor and the proxy agree on. Each program imports this
 * contract (and `lib/`), never another program:
 *
 * - {@link ./task_id.ts}: the task id format and member names;
 * - {@link ./labels.ts}: the Mesos label keys on member tasks and on order outcomes;
 * - {@link ./member_config.ts}: the member config in `TaskInfo.data`;
 * - {@link ./orders.ts}: maintenance orders and their outcomes;
 * - {@link ./executor_command.ts}: how agents fetch and start the executor;
 * - {@link ./certificates.ts}: how an executor gets its member's TLS certificate.
 *
 * @module
 */
export * from "./certificates.ts";
export * from "./executor_command.ts";
export * from "./labels.ts";
export * from "./member_config.ts";
export * from "./orders.ts";
export * from "./task_id.ts";
