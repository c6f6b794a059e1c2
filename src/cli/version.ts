import { EXIT_CODES } from "../errors.ts";
import { BUILD_INFO } from "../version.ts";
import { parseCommandArgs } from "./args.ts";
import type { Command } from "./command.ts";

export const versionCommand: Command = {
  name: "version",
  summary: "print the version and commit of this binary",
  help: `Usage: alkhub version

Prints the alkhub version, the commit it was built from and the Bun runtime version.

Exit codes: 0 always.`,
  async run(argv, io) {
    const { values } = parseCommandArgs("version", argv, {});
    if (values.help) {
      io.out(this.help);
      return EXIT_CODES.OK;
    }
    io.out(`alkhub ${BUILD_INFO.version} (commit ${BUILD_INFO.commit}, bun ${Bun.version})`);
    return EXIT_CODES.OK;
  },
};
