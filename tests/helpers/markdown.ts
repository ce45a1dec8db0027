import GithubSlugger from 'github-slugger';
import MarkdownIt from 'markdown-it';

type Token = MarkdownIt.Token;

const markdown = new MarkdownIt({ html: true });

/** A fenced code block and the `<!-- check: KIND -->` comment right before it, if any. */
export interface CodeBlock {
  lang: string;
  text: string;
  check?: string;
  /** 1-based line of the fence, for messages. */
  line: number;
}

export interface MarkdownDoc {
  blocks: CodeBlock[];
  /** Every link and image target, as written. */
  links: string[];
  /** The anchors GitHub gives the headings (`## Use with LiteLLM` → `use-with-litellm`). */
  anchors: Set<string>;
  /** The rows of every table, as cell texts; `codeInFirstCell` holds the backticked spans of the first cell. */
  tableRows: { header: string[]; codeInFirstCell: string[] }[];
}

const CHECK = /^<!--\s*check:\s*([\w-]+)\s*-->\s*$/;

function inlineChildren(tokens: Token[]): Token[] {
  return tokens.flatMap((token) => (token.type === 'inline' ? (token.children ?? []) : []));
}

export function parseMarkdown(text: string): MarkdownDoc {
  const tokens = markdown.parse(text, {});
  const blocks: CodeBlock[] = [];
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  const tableRows: MarkdownDoc['tableRows'] = [];
  let header: string[] = [];
  tokens.forEach((token, i) => {
    if (token.type === 'fence') {
      const check = CHECK.exec(tokens[i - 1]?.type === 'html_block' ? tokens[i - 1]!.content.trim() : '')?.[1];
      blocks.push({ lang: token.info.trim(), text: token.content, check, line: (token.map?.[0] ?? 0) + 1 });
    }
    if (token.type === 'heading_open') {
      // GitHub slugs the heading's text: code spans count by their content, markup not at all.
      const title = (tokens[i + 1]?.children ?? []).map((child) => child.content).join('');
      anchors.add(slugger.slug(title));
    }
    if (token.type === 'tr_open') {
      const cells: Token[][] = [];
      for (let j = i + 1; tokens[j]!.type !== 'tr_close'; j += 1) {
        if (tokens[j]!.type === 'th_open' || tokens[j]!.type === 'td_open') cells.push([]);
        if (tokens[j]!.type === 'inline') cells.at(-1)!.push(tokens[j]!);
      }
      const texts = cells.map((cell) => cell.map((inline) => inline.content).join(''));
      if (tokens[i - 1]?.type === 'thead_open') header = texts;
      else tableRows.push({ header, codeInFirstCell: inlineChildren(cells[0] ?? []).filter((t) => t.type === 'code_inline').map((t) => t.content) });
    }
  });
  const links = inlineChildren(tokens).flatMap((token) => {
    if (token.type === 'link_open') return [String(token.attrGet('href') ?? '')];
    if (token.type === 'image') return [String(token.attrGet('src') ?? '')];
    return [];
  });
  return { blocks, links, anchors, tableRows };
}
