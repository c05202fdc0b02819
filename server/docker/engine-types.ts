import type { Readable, Writable } from 'node:stream';
import type Docker from 'dockerode';

/** What the engine says about itself. */
export interface EngineVersion {
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
}

/** What Engine.runOnce starts: a one-off labelled container (no network unless `networkMode` says). */
export interface RunOnceOptions {
  image: string;
  cmd: string[];
  labels?: Record<string, string>;
  env?: string[];
  networkMode?: string;
  privileged?: boolean;
}

/** What a run-once container wrote (stdout and stderr merged), its exit code and its id. */
export interface RunOnceResult {
  output: string;
  exitCode: number;
  containerId: string;
}

/** Ids of the containers, networks and volumes that carry some labels (listLabelled, removeLabelled). */
export interface LabelledObjects {
  containers: string[];
  networks: string[];
  volumes: string[];
}

/** A Swarm node as the manager reports it (`docker node ls`), with its labels. */
export interface SwarmNodeInfo {
  id: string;
  hostname: string;
  /** `ready`, `down`, `unknown`, `disconnected`. */
  state: string;
  /** `active`, `pause`, `drain`. */
  availability: string;
  labels: Record<string, string>;
}

/** A container's create options, as the Engine API takes them (sandbox-template.ts builds them). */
export type ContainerSpec = Docker.ContainerCreateOptions;

/** What Engine.exec starts in a container: command, environment, user, TTY and stdin. */
export interface ExecSpec {
  cmd: string[];
  env: string[];
  user?: string | undefined;
  tty: boolean;
  stdin: boolean;
  /** [rows, cols] of the TTY from its start. */
  consoleSize?: [number, number] | undefined;
}

/** A started exec: its output (stdout and stderr merged when there is no TTY), its stdin, resize and state. */
export interface EngineExec {
  output: Readable;
  input: Writable;
  resize(cols: number, rows: number): Promise<void>;
  /** `pid` is the process's id in the container once started, and stays after it ends: 0 if it never started. */
  state(): Promise<{ running: boolean; exitCode: number | null; pid: number }>;
}

/** A container's state and its address on each network it is on. */
export interface ContainerState {
  running: boolean;
  networks: Record<string, { address: string | undefined; gateway: string | undefined }>;
}
