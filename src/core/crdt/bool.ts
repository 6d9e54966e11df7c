// A flag that can only be raised: true absorbs. Garage uses it for "deleted" marks on
// versions and multipart uploads, where once deleted must stay deleted on every replica.

export const mergeBool = (a: boolean, b: boolean): boolean => a || b

/** false < true. */
export const boolLeq = (a: boolean, b: boolean): boolean => !a || b
