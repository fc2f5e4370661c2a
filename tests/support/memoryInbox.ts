import type { AlertInbox, InboxMessage, InboxReceipt } from '../../src/sources/commonAlert/alertInbox.js';

/** An alert inbox in memory, able to fail like an unreachable queue. */
export class MemoryInbox implements AlertInbox {
  readonly messages = new Map<string, InboxMessage>();
  failing = false;
  private next = 0;
  send(message: InboxMessage): Promise<InboxReceipt> {
    if (this.failing)
      return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    const id = String(++this.next);
    this.messages.set(id, message);
    return Promise.resolve({ messageId: id, popReceipt: `pop-${id}` });
  }
  remove(receipt: InboxReceipt): Promise<void> {
    this.messages.delete(receipt.messageId);
    return Promise.resolve();
  }
}
