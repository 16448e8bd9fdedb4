/**
 * What the ranking model reads of a paper: the words of its title and abstract (lower case,
 * accents folded, English stop words out), adjacent word pairs, one key per author, and the
 * source's keywords or categories when it gives them.
 */

/** A paper as the ranking model sees it. */
export interface RankDoc {
  id: string;
  title: string;
  abstract: string;
  authors: string[];
  /** Keywords or categories, when a source gives them. */
  keywords?: string[];
}

// scikit-learn's English stop words, the list arxiv-sanity-lite (the yardstick's anchor) uses.
const STOP = new Set(
  (
    'a about above across after afterwards again against all almost alone along already also although always am among amongst amoungst ' +
    'amount an and another any anyhow anyone anything anyway anywhere are around as at back be became because become becomes becoming ' +
    'been before beforehand behind being below beside besides between beyond bill both bottom but by call can cannot cant co con could ' +
    'couldnt cry de describe detail do done down due during each eg eight either eleven else elsewhere empty enough etc even ever every ' +
    'everyone everything everywhere except few fifteen fifty fill find fire first five for former formerly forty found four from front ' +
    'full further get give go had has hasnt have he hence her here hereafter hereby herein hereupon hers herself him himself his how ' +
    'however hundred i ie if in inc indeed interest into is it its itself keep last latter latterly least less ltd made many may me ' +
    'meanwhile might mill mine more moreover most mostly move much must my myself name namely neither never nevertheless next nine no ' +
    'nobody none noone nor not nothing now nowhere of off often on once one only onto or other others otherwise our ours ourselves out ' +
    'over own part per perhaps please put rather re same see seem seemed seeming seems serious several she should show side since sincere ' +
    'six sixty so some somehow someone something sometime sometimes somewhere still such system take ten than that the their them ' +
    'themselves then thence there thereafter thereby therefore therein thereupon these they thick thin third this those though three ' +
    'through throughout thru thus to together too top toward towards twelve twenty two un under until up upon us very via was we well ' +
    'were what whatever when whence whenever where whereafter whereas whereby wherein whereupon wherever whether which while whither who ' +
    'whoever whole whom whose why will with within without would yet you your yours yourself yourselves'
  ).split(' '),
);

const fold = (s: string): string =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();

/** The words of a text: tokens of two or more characters that start with a letter, stop words left out. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const m of fold(text).matchAll(/\b[a-z_][a-z0-9_]+\b/g)) if (!STOP.has(m[0])) out.push(m[0]);
  return out;
}

/**
 * One term per author: surname and first initial (`E. L. Berger` → `@berger_e`), TeX accents
 * (`Andr\'e`) dropped, so that the same person written two ways is one term.
 */
export function authorKey(name: string): string | null {
  const plain = fold(name.replace(/\\[`'^"~=.uvHcdbtk]\{?([a-zA-Z])\}?/g, '$1').replace(/[{}\\]/g, ''));
  const parts = plain.split(/[\s.]+/).filter(Boolean);
  const surname = parts.length ? parts[parts.length - 1]!.replace(/[^a-z-]/g, '') : '';
  return surname ? `@${surname}_${parts.length > 1 ? parts[0]![0] : ''}` : null;
}

/**
 * The terms of a paper for the two views: `lex` (words and word pairs of the title and of the
 * abstract, authors, keywords) and `topic` (the same without pairs, for the LSA).
 */
export function termsOf(p: RankDoc): { lex: string[]; topic: string[] } {
  const lex: string[] = [];
  const topic: string[] = [];
  for (const field of [p.title, p.abstract]) {
    const w = words(field ?? '');
    for (let i = 0; i < w.length; i++) {
      lex.push(w[i]!);
      topic.push(w[i]!);
      if (i + 1 < w.length) lex.push(`${w[i]} ${w[i + 1]}`);
    }
  }
  const extra = [...(p.authors ?? []).map(authorKey), ...(p.keywords ?? []).map((k) => `#${fold(k).trim()}`)];
  for (const t of extra) {
    if (t && t !== '#') {
      lex.push(t);
      topic.push(t);
    }
  }
  return { lex, topic };
}
