/** Types for the xk6-sse extension (github.com/phymbert/xk6-sse), imported as "k6/x/sse". */
declare module "k6/x/sse" {
  export interface SSEParams {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    tags?: Record<string, string>;
  }

  export interface SSEEvent {
    id: string;
    /** the `event:` field */
    name: string;
    data: string;
  }

  export interface SSEError {
    error(): string;
  }

  export interface SSEClient {
    on(event: "open" | "close", callback: () => void): void;
    on(event: "event", callback: (event: SSEEvent) => void): void;
    on(event: "error", callback: (error: SSEError) => void): void;
    close(): void;
  }

  export interface SSEResponse {
    status: number;
    headers: Record<string, string>;
    error: string;
  }

  const sse: { open(url: string, params: SSEParams | null, callback: (client: SSEClient) => void): SSEResponse };
  export default sse;
}
