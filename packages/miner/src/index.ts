export {
  type AccessPolicyConfig,
  checkAccess,
  DEFAULT_ACCESS_POLICY,
} from './axon/accessPolicy';
export {
  type AdmissionConfig,
  AdmissionGate,
  type AdmissionRequest,
  type AdmissionSnapshot,
  type Release,
  type TaskLimits,
} from './axon/admission';
export {
  buildMinerApp,
  type MinerApp,
  type MinerAppDeps,
  type ServedSynapse,
} from './axon/buildMinerApp';
export { capacityFor, type ServedTask, validatorShare } from './axon/capacity';
export {
  MetagraphHolder,
  type MetagraphView,
  metagraphView,
  type NeuronView,
} from './axon/metagraphView';
export type { TaskContext, TaskHandler } from './axon/taskHandler';
export { MinerError, MinerErrorCode } from './errors';
export { MinerMetrics } from './metrics/minerMetrics';
