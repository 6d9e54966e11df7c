/** The entry file of a fresh esbuild bundle of `entry` (relative to the checkout) in dist/<name>/, building it if needed. */
export declare const ensureBuilt: (name: string, entry: string) => Promise<string>
