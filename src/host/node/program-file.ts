/**
 * Reads a program image (an ELF file) from the host's file system for the CLI.
 *
 * Invariant: every failure a user can cause — a missing file, a directory, no permission, an
 * empty or oversized file — becomes one `ProgramFileError` whose message names the path and
 * the reason in plain words, never a raw Node error code with a stack.
 */
import { readFile, stat } from "node:fs/promises";

export class ProgramFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProgramFileError";
  }
}

/** Program images beyond this are certainly not bare-metal programs for a 2 GiB board. */
const MAX_PROGRAM_SIZE = 1024 * 1024 * 1024;

const REASONS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "is a directory",
  ENOTDIR: "a component of the path is not a directory",
  ELOOP: "too many symbolic links",
  ENAMETOOLONG: "file name too long",
};

export async function readProgramFile(path: string): Promise<Uint8Array> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new ProgramFileError(`cannot read ${path}: is a directory`);
    if (info.size > MAX_PROGRAM_SIZE) throw new ProgramFileError(`cannot read ${path}: file is too large`);
    const bytes = new Uint8Array(await readFile(path));
    if (bytes.length === 0) throw new ProgramFileError(`cannot read ${path}: file is empty`);
    return bytes;
  } catch (err) {
    if (err instanceof ProgramFileError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? "";
    const reason = REASONS[code] ?? (err as Error).message;
    throw new ProgramFileError(`cannot read ${path}: ${reason}`, { cause: err });
  }
}
