/**
 * The message templates of an issue's variants during a delivery run: each composed once, on
 * first use, from the issue's paper sets (read once).
 */
import type { Issue, Paper } from '../domain.js';
import { variantSubject } from '../issue/builder.js';
import type { Store } from '../store/store.js';
import type { Composer, MessageTemplate } from './ports.js';

/** Each variant's template, composed on first use and shared by every recipient of the variant. */
export class VariantTemplates {
  private readonly templates = new Map<number, Promise<MessageTemplate>>();
  private variants: Promise<Map<number, Paper[]>> | undefined;

  constructor(
    private readonly deps: { store: Pick<Store, 'issueVariants'>; compose: Composer },
    private readonly issue: Issue,
  ) {}

  /** The template of `variant` (composed at the first call, the same promise after). */
  get(variant: number): Promise<MessageTemplate> {
    let t = this.templates.get(variant);
    if (!t) {
      const { issue } = this;
      this.variants ??= this.deps.store.issueVariants(issue.id);
      t = this.variants.then((v) => {
        const papers = v.get(variant) ?? [];
        // Each variant's subject names its own top paper (variant 0: the issue's subject).
        const subject = variantSubject(issue, v.get(0) ?? [], papers);
        return this.deps.compose({ subject, issueDate: issue.issueDate, frequency: issue.frequency, papers, issueId: issue.id });
      });
      this.templates.set(variant, t);
    }
    return t;
  }
}
