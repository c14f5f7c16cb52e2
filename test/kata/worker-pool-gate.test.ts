/**
 * worker-pool's gate (katas/worker-pool/test/support): the main thread releases `hold` tasks
 * that block their worker with Atomics.wait. A release must never be lost, whatever the moment
 * it lands at: a lost one leaves a task asleep, and the kata's verdict "did not settle" would
 * then depend on scheduling luck.
 *
 * A held task checks its flags, then sleeps on its own flag. The worst moment for a release is
 * between the two. These tests stand at that moment, on the main thread (Node lets it call
 * Atomics.wait), with a wait that does not sleep: 'not-equal' means the task would go on.
 */
import { expect } from 'chai';

import { Gate } from '../../katas/worker-pool/test/support/gate';
import { RELEASE, RELEASE_ALL, type Ticket } from '../../katas/worker-pool/test/support/tasks';

/** What a held task's Atomics.wait does now, without sleeping: 'not-equal' lets it go on. */
function waitOf(ticket: Ticket): string {
  return Atomics.wait(new Int32Array(ticket.shared), RELEASE + ticket.id, 0, 0);
}

/** The held task's check, before it sleeps (the loop condition of tasks.ts `hold`). */
function stillHeld(ticket: Ticket): boolean {
  const slots = new Int32Array(ticket.shared);
  return Atomics.load(slots, RELEASE + ticket.id) === 0 && Atomics.load(slots, RELEASE_ALL) === 0;
}

describe('worker-pool test support: the gate', () => {
  it('a task released by id between its check and its wait does not sleep', () => {
    const gate = new Gate();
    const ticket = gate.ticket(3);
    expect(stillHeld(ticket)).to.equal(true);
    gate.release(3);
    expect(waitOf(ticket)).to.equal('not-equal');
  });

  it('releaseAll between a task\'s check and its wait does not leave it asleep', () => {
    const gate = new Gate();
    const tickets = [1, 2, 32].map((id) => gate.ticket(id));
    for (const ticket of tickets) expect(stillHeld(ticket)).to.equal(true);
    gate.releaseAll();
    for (const ticket of tickets) expect(waitOf(ticket), `ticket ${ticket.id}: a release raised only on RELEASE_ALL is lost to a task already past its check`).to.equal('not-equal');
  });

  it('a task that starts after releaseAll is not held at all', () => {
    const gate = new Gate();
    gate.releaseAll();
    expect(stillHeld(gate.ticket(5))).to.equal(false);
  });

  it('releasing one task leaves the others held', () => {
    const gate = new Gate();
    gate.release(1);
    expect(stillHeld(gate.ticket(2))).to.equal(true);
    expect(waitOf(gate.ticket(2))).to.equal('timed-out');
  });
});
