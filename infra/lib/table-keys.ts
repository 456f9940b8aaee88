/**
 * Leading keys of the notifications table that the stacks grant on (dynamodb:LeadingKeys). The
 * functions build the same keys in functions/core (keys.hpp); docs/DATA_MODEL.md lists them all.
 */

/** The one partition of every notification definition (manage-notifications, find-daily). */
export const DEFINITION_PK = 'DEFINITION';
