// Schemas shared by the typed-message tests: zod and valibot ones whose input and output differ, and
// hand-written Standard Schemas (an asynchronous one, and ones that misbehave).
import { z } from "zod";
import * as v from "valibot";
import type { StandardSchemaV1 } from "../../src/serialization/standard-schema.js";

/** zod: `sentAt` travels as a string and comes out as a Date. */
export const ZodChat = z.object({
  user: z.string().min(1),
  text: z.string().max(200),
  sentAt: z.string().transform((text) => new Date(text)),
});

/** valibot: `count` travels as digits and comes out as a number; `room` defaults to "lobby". */
export const ValibotCount = v.object({
  count: v.pipe(v.string(), v.regex(/^\d+$/), v.transform(Number)),
  room: v.optional(v.string(), "lobby"),
});

export function delay(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}

/**
 * A hand-written Standard Schema whose `validate` is asynchronous: a string of digits gives its
 * number, after `delayOf(number)` milliseconds (so answers can come back out of order).
 */
export function asyncDigits(delayOf: (n: number) => number = () => 1): StandardSchemaV1<string, number> {
  return {
    "~standard": {
      version: 1,
      vendor: "hand-written",
      validate: async (value) => {
        if (typeof value !== "string" || !/^\d+$/.test(value)) {
          await delay(1);
          return { issues: [{ message: "Expected a string of digits" }] };
        }
        const n = Number(value);
        await delay(delayOf(n));
        return { value: n };
      },
    },
  };
}

/** A schema whose `validate` does what `behave` says: throw, reject, or answer something that is no result. */
export function misbehaving(behave: () => unknown): StandardSchemaV1 {
  return { "~standard": { version: 1, vendor: "broken", validate: behave as StandardSchemaV1["~standard"]["validate"] } };
}
