import type { LaunchSpec } from '../process-supervisor';
import type { ServiceName, StackConfig } from '../stack-config';
import type { StackLogger } from '../logger';
import type { StackPaths } from '../paths';
import type { SystemRequirement } from '../system-packages';

export interface ServiceContext {
  config: StackConfig;
  paths: StackPaths;
  /** Environment for the processes the stack runs (PATH, JAVA_HOME...). */
  env: NodeJS.ProcessEnv;
  logger: StackLogger;
}

/** Install work that shares a resource runs in one lane, one step after another. */
export type InstallLane = 'maven' | 'go' | 'none';

/** One dependency of Strata run locally: how to install, launch, check and provision it. */
export interface StackService {
  readonly name: ServiceName;
  /** Every TCP port it listens on; all must be free before it starts. */
  readonly ports: readonly number[];
  /** How a client reaches it. */
  readonly endpoint: string;
  /** Environment variables that point Strata's services and specs at it. */
  readonly clientEnv: Readonly<Record<string, string>>;
  /** Commands it needs from the OS (installed with apt when missing). */
  readonly systemRequirements: readonly SystemRequirement[];
  readonly installLane: InstallLane;
  isInstalled(): boolean;
  /** Downloads what is missing; returns a one-line summary of what it installed. */
  install(): Promise<string>;
  /** Renders configuration and initialises storage; runs right before each launch. */
  prepare(): Promise<void>;
  launchSpec(): LaunchSpec;
  /** One readiness attempt: resolves when the service really serves, throws otherwise. */
  probe(): Promise<void>;
  /** Creates what Strata needs in it (idempotent); returns one line per resource. */
  provision(): Promise<string[]>;
}
