import { Counter, Gauge, Histogram, MetricsRegistry } from './registry.ts';

/** Every metric the server exports; one instance per server. */
export class ServerMetrics {
  readonly registry = new MetricsRegistry();
  readonly stageMs = this.registry.add(
    new Histogram(
      'voxstream_stage_ms',
      'Per-utterance stage latency in ms (intent and first_audio are measured from speech end)',
    ),
  );
  readonly budgetExceeded = this.registry.add(
    new Counter('voxstream_budget_exceeded_total', 'Stage budget overruns'),
  );
  /** Utterances opened (`speech_start` sent). Once none is open, it equals the sum of `utterances` over outcomes. */
  readonly utterancesAccepted = this.registry.add(
    new Counter('voxstream_utterances_accepted_total', 'Utterances accepted (speech_start sent)'),
  );
  readonly utterances = this.registry.add(
    new Counter(
      'voxstream_utterances_total',
      'Utterances by outcome: completed (intent sent), errored (error sent), cancelled (by the client), abandoned (the socket closed first)',
    ),
  );
  readonly intents = this.registry.add(
    new Counter('voxstream_intents_total', 'Intents sent, by whether the command was understood'),
  );
  /** Messages the session refused to send because they would have ended an utterance a second time; 0 unless a stage is wrong. */
  readonly accountingViolations = this.registry.add(
    new Counter(
      'voxstream_accounting_violations_total',
      'Second endings of an utterance, dropped (a bug if not 0)',
    ),
  );
  readonly sessions = this.registry.add(
    new Counter('voxstream_sessions_total', 'Sessions by how they ended'),
  );
  readonly refused = this.registry.add(
    new Counter('voxstream_refused_total', 'Connections refused, by reason'),
  );
  readonly errors = this.registry.add(new Counter('voxstream_errors_total', 'Error events sent, by code'));
  readonly dropped = this.registry.add(new Counter('voxstream_dropped_total', 'Input dropped, by kind'));
  /**
   * Utterances the noisy-utterance pass sent through RNNoise (`denoise` 'auto'): counted when the denoising starts,
   * so it is what the pass cost; the rare one whose denoised audio holds no frame keeps its first answer.
   */
  readonly denoisedUtterances = this.registry.add(
    new Counter(
      'voxstream_denoised_utterances_total',
      'Utterances that measured noisy and went through RNNoise to be decoded again (denoise auto)',
    ),
  );
  /**
   * Utterances whose RNNoise pass began learning the noise while they went on (the live pass measured them
   * noisy), by whether the denoised pass then ran (`used`) or the work was wasted (`unused`).
   */
  readonly denoiseLearnedAhead = this.registry.add(
    new Counter(
      'voxstream_denoise_learned_ahead_total',
      'Utterances whose RNNoise pass started while they went on, by whether it was then used (denoise auto)',
    ),
  );
  readonly batchSize = this.registry.add(
    new Histogram(
      'voxstream_batch_size',
      'Streams per model run, by model',
      [1, 2, 4, 8, 16, 32, 64, 128, 256],
    ),
  );
  readonly batchWaitMs = this.registry.add(
    new Histogram('voxstream_batch_wait_ms', 'Queue wait before a model run, by model'),
  );
  readonly batchRunMs = this.registry.add(
    new Histogram('voxstream_batch_run_ms', 'Model run time, by model'),
  );

  constructor(activeSessions: () => number) {
    this.registry.add(new Gauge('voxstream_active_sessions', 'Open sessions', activeSessions));
    this.registry.add(
      new Gauge(
        'voxstream_resident_bytes',
        'Resident memory of the server process',
        () => process.memoryUsage().rss,
      ),
    );
    this.registry.add(
      new Gauge(
        'voxstream_heap_used_bytes',
        'JavaScript heap in use (V8), the part of memory that sessions grow and give back',
        () => process.memoryUsage().heapUsed,
      ),
    );
  }
}
