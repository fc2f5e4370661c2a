export { DEFAULT_RECEIVER, loadRoutingConfig, parseRoutingConfig, receiversOf } from './loadRoutingConfig.js';
export type { LoadOptions } from './loadRoutingConfig.js';
export { explainRoute, notificationForFailure, routeNotification } from './routeNotification.js';
export type { ConditionResult, RouteExplanation, RouteStep } from './routeNotification.js';
export type { ReceiverInfo, Route, RoutingConfig, RoutingResult } from './routingConfig.js';
export type { MatchSpec } from './routingSchema.js';
export { noReceivers } from './routingConfig.js';
