// A reader that stops early (`runa-batch validate big.csv | head -2`) closes the pipe, and every later
// write fails with EPIPE. That is the reader's choice, not the command's failure: stop writing to that
// stream and let the command finish, so it exits with the code it would have had anyway.
interface WritableOutput {
  on(event: "error", listener: (error: NodeJS.ErrnoException) => void): unknown;
  write: (...args: never[]) => boolean;
}

export function quietOnClosedPipe(stream: WritableOutput): void {
  stream.on("error", (error) => {
    if (error.code !== "EPIPE") throw error;
    stream.write = () => true;
  });
}
