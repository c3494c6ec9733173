/**
 * The embedded platform, with the inference server, exporting every service's spans to an OTLP
 * receiver of the test's own (./otlp-receiver.ts): for tests of what the traces hold.
 */
import { TELEMETRY_DEFAULTS, type PlatformConfig, type TelemetryConfig } from '../../platform/config';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver';
import { SMALL_SEED, startTestPlatform, type TestPlatform } from './platform';

export interface TracedPlatform {
  t: TestPlatform;
  receiver: OtlpReceiver;
  /** Every span ended so far, once the receiver has them all. */
  flushed(): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

/** `telemetry`: settings other than the defaults (the receiver's URL is always set); `config`: any other settings. */
export async function startTracedPlatform(
  telemetry: Partial<TelemetryConfig> = {},
  config: Partial<PlatformConfig> = {},
): Promise<TracedPlatform> {
  const receiver = await startOtlpReceiver();
  try {
    const t = await startTestPlatform(SMALL_SEED, {
      inference: true,
      config: { ...config, telemetry: { ...TELEMETRY_DEFAULTS, ...telemetry, tracesUrl: receiver.tracesUrl } },
    });
    return {
      t,
      receiver,
      async flushed() {
        await t.platform.telemetry!.forceFlush();
        return receiver.spans;
      },
      async close() {
        await t.close();
        await receiver.close();
      },
    };
  } catch (error) {
    await receiver.close();
    throw error;
  }
}
