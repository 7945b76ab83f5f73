import type { ChatMessage } from "./chat.js";

/** One call of a conversation: the messages the caller sent, then the answer. */
export interface ConversationTurn {
  messages: ChatMessage[];
}

/** What one call adds to a conversation; the first append creates it. */
export interface ConversationAppend {
  id: string;
  projectId: string;
  turn: ConversationTurn;
  /** The catalog model that answered. */
  model: string;
  tokens: number;
  costNanoUsd: number;
  atMs: number;
}

export interface ConversationSummary {
  id: string;
  projectId: string;
  /** The model of the latest answer. */
  model: string;
  turnCount: number;
  tokens: number;
  costNanoUsd: number;
  createdAtMs: number;
  updatedAtMs: number;
}

export interface StoredConversation extends ConversationSummary {
  /** Oldest first. */
  turns: ConversationTurn[];
}

/**
 * Conversations kept per project in the store engine (SQLite, or Redis when
 * configured), forgotten `ttlMs` after their last turn. Fails closed: a
 * write or read the engine did not confirm rejects.
 */
export interface ConversationStore {
  append(entry: ConversationAppend): Promise<void>;
  /** The conversation, or undefined when unknown or expired. The caller checks the project. */
  get(id: string, nowMs: number): Promise<StoredConversation | undefined>;
  /** A project's live conversations, most recently continued first. */
  list(projectId: string, nowMs: number, limit: number): Promise<ConversationSummary[]>;
  close(): Promise<void>;
}
