/**
 * Server and runtime options for tests that stream commands synthesized by espeak-ng (test/helpers/speech.ts):
 * they decode with voxstream's own CTC encoder, trained on synthesized voices. The default acoustic model,
 * CMU's en-us model trained on real speech, is checked on real recordings (test/realSpeech.test.ts); on
 * espeak's voice it finds the words but with too little confidence to accept them, which is what it should
 * do with a voice no person has.
 */
export const syntheticSpeech = { acousticModel: 'ctc' } as const;
