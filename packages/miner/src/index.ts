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
export { loadMinerConfig } from './config/loadConfig';
export type { MinerConfig } from './config/minerConfig';
export {
  type RunningMiner,
  type StartMinerDeps,
  startMiner,
  type TaskBackendMap,
} from './daemon/startMiner';
export { MinerError, MinerErrorCode } from './errors';
export { MinerMetrics } from './metrics/minerMetrics';
export {
  type BuildTaskBackendsOptions,
  buildTaskBackends,
  type TaskBackends,
} from './tasks/buildTaskBackends';
