export { defineActor, type Actor, type ActorContext, type ActorDefinition, type Delivery, type RequestOptions, type TimerOptions } from './actor.js';
export { RuntimeError, type ErrorInfo, type RuntimeErrorCode } from './errors.js';
export type { DeadLetter, DeadLetterKind } from './dead-letters.js';
export type { SystemEvent, SystemEventType } from './events.js';
export type { Address, Message } from './message.js';
export type { OverflowPolicy } from './mailbox.js';
export type { ActorSpecInput, ChildSpecInput, SupervisorSpecInput } from './options.js';
export { ActorSystem, type ActorSystemOptions, type ShutdownReport, type SystemStatus } from './system.js';
