/** Opens a WebSocket with the bench key as a bearer header (Bun's extension of the constructor). */
export function benchSocket(url: string, token: string | undefined): WebSocket {
  if (!token) return new WebSocket(url);
  // Bun takes headers in a second-argument object; the DOM typings only know protocols.
  return new WebSocket(url, { headers: { authorization: `Bearer ${token}` } } as unknown as string[]);
}
