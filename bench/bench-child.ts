/**
 * A bench's parts in processes of their own (a gateway, the subgraphs), so that each process's CPU
 * time divides cleanly into per-request milliseconds. The parent forks a module with `--role`,
 * asks over IPC and gets one answer per ask, in order; the child answers the CPU readings and the
 * close every bench needs (answerParent) and hands its own asks to the bench.
 */
import { fork, type ChildProcess } from 'node:child_process';

/** What every bench child answers: its CPU time so far (user + system, all threads), and close. */
export type CommonAsk = { type: 'cpu' } | { type: 'close' };
export type CpuAnswer = { type: 'cpu'; micros: number };

export class BenchChild<Ask extends { type: string }, Answer extends { type: string }> {
  private readonly process: ChildProcess;
  private waiting: { resolve: (message: Answer | CpuAnswer) => void; reject: (error: Error) => void }[] = [];

  constructor(
    module: string,
    readonly role: string,
    options: { env?: Record<string, string>; execArgv?: string[]; args?: string[] } = {},
  ) {
    this.process = fork(module, ['--role', role, ...(options.args ?? [])], {
      env: { ...process.env, ...options.env },
      stdio: 'inherit',
      execArgv: options.execArgv ?? [],
    });
    this.process.on('message', (message: Answer | CpuAnswer) => this.waiting.shift()?.resolve(message));
    this.process.on('exit', (code) => {
      for (const waiter of this.waiting.splice(0)) waiter.reject(new Error(`a bench child (${role}) exited with ${code}`));
    });
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  /** The next message from the child, within `timeoutMs`. */
  next(timeoutMs: number): Promise<Answer | CpuAnswer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`a bench child (${this.role}) did not answer in time`)), timeoutMs);
      this.waiting.push({
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  /** Sends `message` and waits for the answer of type `type`. */
  async ask<Type extends Answer['type']>(message: Ask, type: Type, timeoutMs: number): Promise<Extract<Answer, { type: Type }>> {
    this.process.send(message);
    const answer = await this.next(timeoutMs);
    if (answer.type !== type) throw new Error(`a bench child (${this.role}) answered ${answer.type} where ${type} was asked`);
    return answer as Extract<Answer, { type: Type }>;
  }

  async cpuMicros(): Promise<number> {
    this.process.send({ type: 'cpu' } satisfies CommonAsk);
    const message = await this.next(10_000);
    if (message.type !== 'cpu') throw new Error(`unexpected message from a bench child (${this.role})`);
    return (message as CpuAnswer).micros;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.process.exitCode !== null || this.process.signalCode !== null) return resolve();
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 20_000);
      this.process.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.process.send({ type: 'close' } satisfies CommonAsk);
    });
  }
}

/**
 * The child's side: answers `cpu` and `close` (running whatever `close` the bench's handler has
 * set by then), and hands every other message to `handle`. Returns a way to send an answer.
 */
export function answerParent<Ask extends { type: string }, Answer extends { type: string }>(
  handle: (message: Ask, send: (answer: Answer) => void) => void,
): { send: (answer: Answer) => void; onClose: (close: () => Promise<void>) => void } {
  const send = (answer: Answer | CpuAnswer) => process.send!(answer);
  let close: () => Promise<void> = async () => undefined;
  process.on('message', (message: Ask | CommonAsk) => {
    if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      send({ type: 'cpu', micros: user + system });
    } else if (message.type === 'close') {
      void close().finally(() => process.exit(0));
    } else {
      handle(message as Ask, send);
    }
  });
  // The parent is gone (a crash, ^C): nothing will ask this process anything again.
  process.on('disconnect', () => void close().finally(() => process.exit(0)));
  return {
    send,
    onClose: (next) => {
      close = next;
    },
  };
}

/**
 * In a module that is also its own children: when this process was forked with `--role <role>`,
 * runs `start(role)` (a failure ends the process) and answers true.
 */
export function runAsChild(start: (role: string) => Promise<void>): boolean {
  const at = process.argv.indexOf('--role');
  if (at < 0) return false;
  start(process.argv[at + 1]).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
  return true;
}
