import { serviceBenchConfig } from "../../../test/support/vitest-shared.js";

export default serviceBenchConfig("chat");
