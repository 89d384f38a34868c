// The Docker layer's public surface: everything above runtime/ imports from here.

export type { CgroupLocation, CgroupReading, CgroupRoots } from './cgroup-usage.js';
export { CgroupFiles, locateCgroup, readCgroup, usageFromCgroup } from './cgroup-usage.js';
export type {
  ContainerLogs,
  ContainerMount,
  ContainerSpec,
  TmpfsMount,
} from './container-spec.js';
export { containerCreateBody, DEFAULT_CONTAINER_LOGS, tmpfsOptions } from './container-spec.js';
export type {
  ContainerHealth,
  ContainerStatus,
  ContainerSummary,
  ContainerView,
} from './containers.js';
export {
  createContainer,
  findContainerByName,
  inspectContainer,
  listContainers,
  removeContainer,
  restartContainer,
  startContainer,
  stopContainer,
  updateRestartPolicy,
} from './containers.js';
export {
  DockerConflictError,
  DockerError,
  DockerNotFoundError,
  DockerTimeoutError,
  DockerUnavailableError,
  ignoreNotFound,
  isDockerNotAnswering,
  toDockerError,
} from './errors.js';
export type {
  DockerEvent,
  DockerEventStreamOptions,
  EventStreamState,
  RuntimeLogger,
} from './events.js';
export { DockerEventStream } from './events.js';
export type { ExecOptions, ExecResult } from './exec.js';
export { execInContainer } from './exec.js';
export type { DirectoryOwner, PodFile, VolumeWrite, VolumeWriteOptions } from './files.js';
export { readFile, writeFiles, writeFilesToVolumes } from './files.js';
export type {
  DockerHostConfig,
  DockerHostOptions,
  DockerOutage,
  DockerSshOptions,
  DockerTlsFiles,
  DockerTlsOptions,
} from './host.js';
export { DockerHost, describeDockerHost, parseDockerHost } from './host.js';
export type { ImageRef } from './image-ref.js';
export {
  InvalidImageRefError,
  normalizeRegistry,
  parseImageRef,
  pinnedReference,
  registryOf,
  registryServerAddress,
} from './image-ref.js';
export type { ImageView, PullOptions, RegistryAuth } from './images.js';
export { ImagePullError, inspectImage, pullImage } from './images.js';
export {
  FILE_WRITER_ROLE,
  LABEL_IMAGE_PIN,
  LABEL_INSTALLATION,
  LABEL_MANAGED,
  LABEL_POD_ID,
  LABEL_ROLE,
  LABEL_SPEC_HASH,
  LABEL_TENANT_ID,
  labelFilter,
} from './labels.js';
export type { LogLine, LogOptions, OutputStream } from './logs.js';
export { containerLogs, followContainerLogs } from './logs.js';
export type { NetworkSpec, NetworkView } from './networks.js';
export {
  connectContainer,
  disconnectContainer,
  ensureNetwork,
  inspectNetwork,
  listNetworks,
  removeNetwork,
} from './networks.js';
export type { ContainerUsage, DockerStatsJson, UsageRates } from './stats.js';
export { computeUsage, containerStats, usageRates } from './stats.js';
export type { VolumeView } from './volumes.js';
export { createVolume, ensureVolume, inspectVolume, listVolumes, removeVolume } from './volumes.js';
