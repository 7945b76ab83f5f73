// What the providers use of undici, imported by `loadUndici` only: this module and dispatch-upstream
// import undici's values, nothing on the start path imports them. Through a module of ours: the bundle
// (scripts/bundle-main.mjs) gives a dynamic import of a CommonJS package only a default export.
export { Agent, request } from "undici";
export { dispatchUpstream } from "./dispatch-upstream.js";
