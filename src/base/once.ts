// A function that does its work the first time it is called and nothing after: the idempotent
// `close()` that sockets, logs and handles promise.
export function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
