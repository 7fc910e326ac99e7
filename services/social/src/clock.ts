/** The shared clock shape (packages/runtime), under the name this service's modules import. */
export { systemClock, type Clock } from "@sealroom/runtime";
