/**
 * The syscall event source: {@link dev.vigil.capture.LiveEvent} turns a probe record plus the
 * state it was applied to into a rules-engine {@link dev.vigil.event.Event}, extracting Falco's
 * syscall fields lazily and without copying values that already exist in state. The list of
 * extracted fields and the reasons for the absent ones are in {@code docs/syscall-fields.md}.
 */
package dev.vigil.capture;
