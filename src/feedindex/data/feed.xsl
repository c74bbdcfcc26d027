<?xml version="1.0" encoding="UTF-8"?>
<!--
  feedindex: shows an RSS 2.0 or Atom 1.0 feed opened in a browser as a readable page that
  explains what a feed is and how to subscribe. Feed readers ignore this stylesheet.
  Labels follow the feed's language: Traditional Chinese, Simplified Chinese, else English.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="UTF-8" indent="no"
      doctype-system="about:legacy-compat"/>

  <xsl:variable name="lang" select="translate(string((/rss/channel/language | /atom:feed/@xml:lang)[1]),
      'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"/>
  <xsl:variable name="family">
    <xsl:choose>
      <xsl:when test="starts-with($lang, 'zh') and (contains($lang, 'hans') or contains($lang, '-cn') or contains($lang, '-sg'))">hans</xsl:when>
      <xsl:when test="starts-with($lang, 'zh')">hant</xsl:when>
      <xsl:otherwise>en</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="self" select="(/rss/channel/atom:link[@rel='self']/@href | /atom:feed/atom:link[@rel='self']/@href)[1]"/>
  <xsl:variable name="home" select="(/rss/channel/link | /atom:feed/atom:link[@rel='alternate']/@href)[1]"/>

  <xsl:template name="say">
    <xsl:param name="hant"/><xsl:param name="hans"/><xsl:param name="en"/>
    <xsl:choose>
      <xsl:when test="$family = 'hant'"><xsl:value-of select="$hant"/></xsl:when>
      <xsl:when test="$family = 'hans'"><xsl:value-of select="$hans"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$en"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template match="/">
    <xsl:variable name="title" select="string((/rss/channel/title | /atom:feed/atom:title)[1])"/>
    <html lang="{$lang}">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/></title>
        <style>
          body { font: 16px/1.7 system-ui, "Noto Sans CJK TC", "Noto Sans CJK SC", sans-serif; max-width: 46rem;
                 margin: 2rem auto; padding: 0 1rem; color: #1f2328; }
          .about { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: .75rem 1rem; }
          code { background: #f6f8fa; padding: .1rem .3rem; border-radius: 4px; word-break: break-all; }
          li { margin: .9rem 0; } time { color: #59636e; font-size: .9rem; } p.summary { margin: .2rem 0; }
        </style>
      </head>
      <body>
        <p class="about" role="note">
          <strong><xsl:call-template name="say">
            <xsl:with-param name="hant">這是一個網站訂閱源（RSS／Atom feed）。</xsl:with-param>
            <xsl:with-param name="hans">这是一个网站订阅源（RSS／Atom feed）。</xsl:with-param>
            <xsl:with-param name="en">This is a web feed (RSS/Atom).</xsl:with-param>
          </xsl:call-template></strong>
          <xsl:text> </xsl:text>
          <xsl:call-template name="say">
            <xsl:with-param name="hant">把這個網址複製到你的閱讀器（如 NetNewsWire、Feedly、Inoreader、Thunderbird）即可訂閱，新文章會自動出現：</xsl:with-param>
            <xsl:with-param name="hans">把这个网址复制到你的阅读器（如 NetNewsWire、Feedly、Inoreader、Thunderbird）即可订阅，新文章会自动出现：</xsl:with-param>
            <xsl:with-param name="en">Copy this address into your feed reader (NetNewsWire, Feedly, Inoreader, Thunderbird…) to subscribe; new articles then come to you:</xsl:with-param>
          </xsl:call-template>
          <xsl:text> </xsl:text><code><xsl:value-of select="$self"/></code>
        </p>
        <header>
          <h1><xsl:value-of select="$title"/></h1>
          <p><xsl:value-of select="(/rss/channel/description | /atom:feed/atom:subtitle)[1]"/></p>
          <p><a href="{$home}"><xsl:call-template name="say">
            <xsl:with-param name="hant">前往網站 →</xsl:with-param>
            <xsl:with-param name="hans">前往网站 →</xsl:with-param>
            <xsl:with-param name="en">Visit the website →</xsl:with-param>
          </xsl:call-template></a></p>
        </header>
        <main>
          <h2><xsl:call-template name="say">
            <xsl:with-param name="hant">最新文章</xsl:with-param>
            <xsl:with-param name="hans">最新文章</xsl:with-param>
            <xsl:with-param name="en">Latest articles</xsl:with-param>
          </xsl:call-template></h2>
          <ol>
            <xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
          </ol>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <li>
      <a href="{link}"><strong><xsl:value-of select="title"/></strong></a><br/>
      <time><xsl:value-of select="pubDate"/></time>
      <p class="summary"><xsl:value-of select="description"/></p>
    </li>
  </xsl:template>

  <xsl:template match="atom:entry">
    <li>
      <a href="{atom:link[not(@rel) or @rel='alternate']/@href}"><strong><xsl:value-of select="atom:title"/></strong></a><br/>
      <time><xsl:value-of select="substring(atom:published, 1, 10)"/></time>
      <p class="summary"><xsl:value-of select="atom:summary"/></p>
    </li>
  </xsl:template>
</xsl:stylesheet>
