import type { RegisteredTool } from '../registry.js';
import { openapiDocument, toolOperation, type DocumentOptions, type ToolOperation } from './document.js';
import { operationIds } from './operation-ids.js';

interface ListDocuments {
  /** Every tool's operationId, mapped over the whole list: a key's document uses the same ids. */
  ids: Map<string, string>;
  /** The serialised document by scope (a key's allow-list, or everything). */
  bodies: Map<object, Buffer>;
}

/**
 * The serialised documents, built once per tool list and caller scope: the registry hands out the
 * same list until its tools change (`list_changed`, reconnects), so a new list starts a new cache
 * and the old one goes with the old list. Each tool's operation is built once too, and shared by
 * every scope's document.
 */
export class OpenApiDocuments {
  private readonly byList = new WeakMap<readonly RegisteredTool[], ListDocuments>();
  private readonly operations = new WeakMap<RegisteredTool, ToolOperation>();

  constructor(private readonly options: DocumentOptions) {}

  /** The document for `visible()`, the part of `all` that `scope` (the same object for the same caller's tools) may see. */
  body(all: readonly RegisteredTool[], scope: object, visible: () => readonly RegisteredTool[]): Buffer {
    let documents = this.byList.get(all);
    if (!documents) {
      documents = { ids: operationIds(all.map((tool) => tool.name)), bodies: new Map() };
      this.byList.set(all, documents);
    }
    let body = documents.bodies.get(scope);
    if (!body) {
      body = Buffer.from(JSON.stringify(this.document(visible(), documents.ids)));
      documents.bodies.set(scope, body);
    }
    return body;
  }

  private document(tools: readonly RegisteredTool[], ids: Map<string, string>): object {
    const operations = tools.map((tool) => {
      let operation = this.operations.get(tool);
      if (!operation) {
        operation = toolOperation(tool, ids.get(tool.name)!, this.options);
        this.operations.set(tool, operation);
      }
      return operation;
    });
    const tags = [...new Set(tools.map((tool) => tool.upstream.name))].sort();
    return openapiDocument(operations, tags, this.options);
  }
}
