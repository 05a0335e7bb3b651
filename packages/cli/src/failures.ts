/**
 * A failure's reason without the image's path, for a table that has the path in its first column:
 * decoders name the file (`/p/x.jpg: corrupt …`, `cannot read '/p/x.jpg'`); printed once is enough.
 * @example reasonWithoutPath('/p/x.jpg', '[E_IMAGE_DECODE] /p/x.jpg: corrupt JPEG') // '[E_IMAGE_DECODE] corrupt JPEG'
 */
export function reasonWithoutPath(image: string, reason: string): string {
  return reason.replaceAll(`${image}: `, '').replaceAll(` '${image}'`, '');
}
