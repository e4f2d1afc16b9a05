import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { CONFLICT, ContentionError, RETRY_ATTEMPTS, retryOnConflict } from '#store/retry';

/**
 * A versioned cell with the semantics of a DynamoDB conditional put: a write succeeds only when the version
 * it read is still the current one. Reads and writes yield to the event loop a random number of times, so
 * concurrent writers interleave in many different orders.
 */
class VersionedCell {
  version = 0;
  applied: number[] = [];
  constructor(private readonly yields: () => number) {}

  private async pause(): Promise<void> {
    for (let i = this.yields(); i > 0; i--) await new Promise((resolve) => setImmediate(resolve));
  }

  async read(): Promise<{ version: number; applied: number[] }> {
    await this.pause();
    return { version: this.version, applied: [...this.applied] };
  }

  async write(expected: number, applied: number[]): Promise<'saved' | 'conflict'> {
    await this.pause();
    if (this.version !== expected) return 'conflict';
    this.version += 1;
    this.applied = applied;
    return 'saved';
  }
}

describe('retryOnConflict, the one read-decide-write loop', () => {
  it('given concurrent writers that each add their own update, when they race through the loop, then no update is lost or applied twice', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 8 }),
        fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 16 }),
        async (writers, pattern) => {
          // Arrange
          let tick = 0;
          const cell = new VersionedCell(() => pattern[tick++ % pattern.length] ?? 0);
          // Act
          await Promise.all(
            Array.from({ length: writers }, (_, writer) =>
              retryOnConflict(`writer ${writer}`, async () => {
                const current = await cell.read();
                const next = [...current.applied, writer];
                return (await cell.write(current.version, next)) === 'saved' ? writer : CONFLICT;
              }),
            ),
          );
          // Assert
          expect([...cell.applied].sort((a, b) => a - b)).toEqual(
            Array.from({ length: writers }, (_, i) => i),
          );
          expect(cell.version).toBe(writers);
        },
      ),
      { numRuns: 40, interruptAfterTimeLimit: 4_000 },
    );
  }, 15_000);

  it('given an attempt that never wins, when the budget is spent, then a ContentionError names what was contended', async () => {
    // Arrange: the backoff's timers are faked so the whole budget is spent at once.
    vi.useFakeTimers();
    let attempts = 0;
    try {
      // Act
      const outcome = retryOnConflict('lead L1', async () => {
        attempts++;
        return CONFLICT;
      }).catch((error: unknown) => error);
      await vi.runAllTimersAsync();
      const error = await outcome;
      // Assert
      expect(error).toBeInstanceOf(ContentionError);
      expect(String(error)).toContain('lead L1: conflicting writes');
      expect(attempts).toBe(RETRY_ATTEMPTS);
    } finally {
      vi.useRealTimers();
    }
  });

  it('given an attempt that returns a final value, when it is not CONFLICT, then the loop stops at once', async () => {
    // Arrange
    let attempts = 0;
    // Act
    const value = await retryOnConflict('timer', async (n) => {
      attempts = n;
      return n === 3 ? 'lost_claim' : CONFLICT;
    });
    // Assert
    expect(value).toBe('lost_claim');
    expect(attempts).toBe(3);
  });
});
