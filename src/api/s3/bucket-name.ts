// Bucket name rules (AWS general-purpose buckets, plus Garage's extra refusals).
export const bucketNameProblem = (name: string): string | undefined => {
  if (name.length < 3 || name.length > 63) return "Bucket names must be between 3 and 63 characters long."
  if (!/^[a-z0-9.-]+$/.test(name)) return "Bucket names can consist only of lowercase letters, numbers, dots and hyphens."
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return "Bucket names must begin and end with a letter or number."
  if (name.includes("..") || name.includes(".-") || name.includes("-.")) return "Bucket names must not contain two adjacent periods or a period next to a hyphen."
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return "Bucket names must not be formatted as an IP address."
  if (name.startsWith("xn--") || name.startsWith("sthree-") || name.endsWith("-s3alias") || name.endsWith("--ol-s3"))
    return "Bucket names must not use a reserved prefix or suffix."
  return undefined
}
