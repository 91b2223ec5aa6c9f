// The host end of an mcp_server artifact's stdio, as an MCP SDK Transport. Inside the sandbox a
// relay joins the server's stdin/stdout to one unix socket connection (relay.ts); here the
// SDK's own stdio framing (ReadBuffer: one JSON-RPC message a line, parsed by the SDK's zod
// schema) reads it, with two caps the SDK does not give: the longest line and the bytes of the
// whole run. Everything that arrives is the server's, so hostile: past a cap the socket is
// destroyed and the call fails with LIMIT, and nothing of what it sent is logged.
import type { Socket } from 'node:net';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { AgoraError } from '../../../base/errors.js';

export interface TransportCaps {
  message_bytes_max: number;
  output_bytes_max: number;
}

export class SocketTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** The first cap broken or framing fault, kept so the call fails with it rather than a timeout. */
  fault: AgoraError | null = null;
  private readonly buffer: ReadBuffer;
  private received = 0;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly caps: TransportCaps,
  ) {
    this.buffer = new ReadBuffer({ maxBufferSize: caps.message_bytes_max });
  }

  async start(): Promise<void> {
    this.socket.on('data', (chunk: Buffer) => this.take(chunk));
    this.socket.on('error', () => this.end());
    this.socket.on('close', () => this.end());
  }

  private take(chunk: Buffer): void {
    if (this.closed) return;
    this.received += chunk.length;
    if (this.received > this.caps.output_bytes_max) return this.fail(new AgoraError('LIMIT', `the MCP server sent more than mcp.server_output_bytes_max (${this.caps.output_bytes_max} bytes)`, { limit: 'mcp_output_bytes' }));
    try {
      // Fed a line at a time, so the buffer's cap is the longest line, not the largest burst.
      let rest = chunk;
      while (rest.length > 0 && !this.closed) {
        const newline = rest.indexOf(0x0a);
        const piece = newline === -1 ? rest : rest.subarray(0, newline + 1);
        rest = rest.subarray(piece.length);
        this.buffer.append(piece);
        for (;;) {
          const message = this.buffer.readMessage();
          if (message === null) break;
          this.onmessage?.(message);
        }
      }
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('ReadBuffer exceeded')) {
        return this.fail(new AgoraError('LIMIT', `the MCP server sent a message over mcp.server_message_bytes_max (${this.caps.message_bytes_max} bytes)`, { limit: 'mcp_message_bytes' }));
      }
      // Not JSON, or not JSON-RPC: the server's words are not repeated, only that they were wrong.
      return this.fail(new AgoraError('INVALID_OUTPUT', 'the MCP server sent a line that is not a JSON-RPC message'));
    }
  }

  private fail(error: AgoraError): void {
    this.fault ??= error;
    this.onerror?.(error);
    this.end();
  }

  private end(): void {
    if (this.closed) return;
    this.closed = true;
    this.buffer.clear();
    this.socket.destroy();
    this.onclose?.();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) throw new AgoraError('EXECUTION_ERROR', 'the MCP server has gone');
    await new Promise<void>((resolve, reject) => this.socket.write(serializeMessage(message), (err) => (err ? reject(err) : resolve())));
  }

  async close(): Promise<void> {
    this.end();
  }
}
