/**
 * The shell every Paperboy email shares: document head (colour scheme, dark-mode and narrow-
 * screen rules), preheader, a 600 px card, and the masthead with name, tagline and byline.
 */
import { Body, Container, Head, Heading, Html, Preview, Section, Text } from '@react-email/components';
import type { ReactNode } from 'react';
import { cls, css, font, light } from './theme.js';

/** What the masthead shows. */
export interface MastheadProps {
  newsletterName: string;
  tagline: string;
  /** "by AK and the research community · November 26, 2026", or any line under the tagline. */
  subline: string;
}

/** Document, preheader, card and masthead around `children`. */
export function Layout({ preheader, masthead, children }: { preheader: string; masthead: MastheadProps; children: ReactNode }) {
  return (
    <Html lang="en" dir="ltr">
      <Head>
        <meta name="color-scheme" content="light dark" />
        <meta name="supported-color-schemes" content="light dark" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <style>{css}</style>
      </Head>
      <Preview>{preheader}</Preview>
      <Body className={cls.page} style={{ backgroundColor: light.page, fontFamily: font, margin: 0, padding: '24px 8px' }}>
        <Container
          className={cls.card}
          style={{ maxWidth: 600, backgroundColor: light.card, border: `1px solid ${light.border}`, borderRadius: 10, overflowWrap: 'anywhere' }}
        >
          <Section className="pb-pad" style={{ padding: '28px 28px 12px' }}>
            <Text className={cls.accent} style={{ marginTop: 0, marginBottom: 0, fontSize: 14, lineHeight: '20px', fontWeight: 700, color: light.accent }}>
              {masthead.newsletterName}
            </Text>
            <Heading as="h1" className={cls.text} style={{ margin: '4px 0', fontSize: 24, lineHeight: '30px', color: light.text }}>
              {masthead.tagline}
            </Heading>
            <Text className={cls.faint} style={{ marginTop: 0, marginBottom: 0, fontSize: 14, lineHeight: '20px', color: light.faint }}>
              {masthead.subline}
            </Text>
          </Section>
          {children}
        </Container>
      </Body>
    </Html>
  );
}
