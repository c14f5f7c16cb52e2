/**
 * A dojo's clock: the session's timebox and the driver/navigator rotation every N minutes. It
 * runs on the global timers, so a test drives it with sinon's fake clock instead of waiting.
 *
 * @example
 * const box = startTimebox({ minutes: 45, rotateEvery: 7, onRotate: (n) => say(`Rotate (${n})`), onEnd });
 * box.remainingMs(); // 2_700_000 at the start
 * box.stop();
 */
export interface TimeboxOptions {
  minutes: number;
  /** Minutes between rotations; 0 for none. */
  rotateEvery: number;
  /** Called at each rotation, with its number (1 for the first). */
  onRotate: (rotation: number) => void;
  onEnd: () => void;
}

export interface Timebox {
  remainingMs(): number;
  /** Rotations so far. */
  rotations(): number;
  stop(): void;
}

export function startTimebox(options: TimeboxOptions): Timebox {
  const { minutes, rotateEvery, onRotate, onEnd } = options;
  const start = Date.now();
  const end = start + minutes * 60_000;
  let rotations = 0;
  let stopped = false;
  const rotation = rotateEvery > 0 && rotateEvery < minutes
    ? setInterval(() => {
        if (stopped || Date.now() >= end) return;
        rotations += 1;
        onRotate(rotations);
      }, rotateEvery * 60_000)
    : undefined;
  const finish = setTimeout(() => {
    stop();
    onEnd();
  }, minutes * 60_000);
  function stop(): void {
    stopped = true;
    if (rotation) clearInterval(rotation);
    clearTimeout(finish);
  }
  return {
    remainingMs: () => Math.max(0, end - Date.now()),
    rotations: () => rotations,
    stop,
  };
}

/** "12:05" for a number of ms left. */
export function clockText(ms: number): string {
  const total = Math.ceil(ms / 1000);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}
