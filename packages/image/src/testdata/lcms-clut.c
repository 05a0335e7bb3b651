/*
 * Writes the CLUT LittleCMS builds for Pillow's Lab → sRGB conversion (ImageCms.buildTransform of
 * createProfile("LAB") → createProfile("sRGB"), perceptual, flags 0, Pillow's "LAB" and "RGB" formats):
 * 33³ × 3 uint16 to stdout. lcms-lab-srgb.test.ts holds its md5. Needs LittleCMS's internal header:
 *   git clone https://github.com/mm2/Little-CMS && cd Little-CMS && git checkout lcms2.14
 *   gcc -O2 -Iinclude -Isrc path/to/lcms-clut.c src/*.c -lm -o lcms-clut && ./lcms-clut | md5sum
 */
#include "lcms2_internal.h"
#include <stdio.h>

int main(void) {
  cmsHPROFILE lab = cmsCreateLab2Profile(NULL), srgb = cmsCreate_sRGBProfile();
  cmsUInt32Number pillowLab = COLORSPACE_SH(PT_LabV2) | CHANNELS_SH(3) | BYTES_SH(1) | EXTRA_SH(1);
  _cmsTRANSFORM* t = (_cmsTRANSFORM*)cmsCreateTransform(lab, pillowLab, srgb, TYPE_RGBA_8, INTENT_PERCEPTUAL, 0);
  for (cmsStage* s = t->Lut->Elements; s; s = s->Next)
    if (s->Type == cmsSigCLutElemType) {
      _cmsStageCLutData* c = (_cmsStageCLutData*)s->Data;
      fwrite(c->Tab.T, sizeof(cmsUInt16Number), c->nEntries, stdout);
      return 0;
    }
  return 1; /* the optimiser chose something else than a CLUT */
}
