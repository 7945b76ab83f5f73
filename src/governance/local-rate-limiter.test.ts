import { LocalRateLimiter } from "./local-rate-limiter.js";
import { runRateLimiterContract } from "./rate-limiter.contract.js";

runRateLimiterContract("local", async () => ({
  open: async (config, now) => new LocalRateLimiter({ config, now }),
  cleanup: async () => {},
}));
