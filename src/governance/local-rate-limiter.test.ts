import { LocalRateLimiter } from "./local-rate-limiter.js";
import { runRateLimiterContract } from "./rate-limiter.contract.js";

runRateLimiterContract("local", async () => ({
  open: async (policy, now) => new LocalRateLimiter({ policy, now }),
  cleanup: async () => {},
}));
