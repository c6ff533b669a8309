import { normalizeWords } from '../../context/index.ts';

const units: Readonly<Record<string, number>> = {
  zero: 0,
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const tens: Readonly<Record<string, number>> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};

/**
 * A whole number spoken in English words, as contexts write slot values ("seventy two", "one hundred",
 * "a hundred and five"), or written in digits; null when the words are not a number.
 */
export function spokenNumber(text: string): number | null {
  const words = normalizeWords(text).filter((w) => w !== 'and');
  if (words.length === 0) return null;
  if (words.length === 1 && /^\d+$/.test(words[0] as string)) return Number(words[0]);
  let total = 0;
  let current = 0;
  let seen = false;
  for (const word of words) {
    if (word in units) {
      // "twenty five" adds; "five five" is not a number.
      if (current % 10 !== 0 || (current > 0 && current < 20)) return null;
      current += units[word] as number;
    } else if (word in tens) {
      if (current % 100 !== 0) return null;
      current += tens[word] as number;
    } else if (word === 'hundred') {
      current = (current === 0 ? 1 : current) * 100;
    } else if (word === 'thousand') {
      total += (current === 0 ? 1 : current) * 1000;
      current = 0;
    } else {
      return null;
    }
    seen = true;
  }
  return seen ? total + current : null;
}

/** A duration split the way Home Assistant's timer intents take it. */
export interface SpokenDuration {
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
}

const unitSeconds: Readonly<Record<string, number>> = {
  second: 1,
  seconds: 1,
  minute: 60,
  minutes: 60,
  hour: 3600,
  hours: 3600,
};

/**
 * A spoken duration ("thirty seconds", "forty five minutes", "an hour", "half an hour", "one hour and ten
 * minutes") as hours, minutes and seconds; null when the words are not one.
 */
export function spokenDuration(text: string): SpokenDuration | null {
  const words = normalizeWords(text);
  let seconds = 0;
  let number: string[] = [];
  let seen = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (word === 'half' && (words[i + 1] === 'an' || words[i + 1] === 'a') && words[i + 2] === 'hour') {
      seconds += 1800;
      i += 2;
      seen = true;
    } else if (word in unitSeconds) {
      const n = spokenNumber(number.join(' '));
      if (n === null) return null;
      seconds += n * (unitSeconds[word] as number);
      number = [];
      seen = true;
    } else if (word === 'and' && number.length === 0) {
      continue;
    } else {
      number.push(word);
    }
  }
  if (!seen || number.length > 0) return null;
  return {
    hours: Math.floor(seconds / 3600),
    minutes: Math.floor((seconds % 3600) / 60),
    seconds: seconds % 60,
  };
}
