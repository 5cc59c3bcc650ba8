/*
 * lex.c - the lines and words of scenario text.
 *
 * A line is at most 4095 characters, CR LF or LF ended, with no control
 * character but TAB.  A word is a run of characters other than space and
 * TAB; `#` at the start of a word begins a comment.  A key=value word has
 * a key of letters, digits and '_' (not starting with a digit).  A verb
 * that takes text (echo) takes the rest of its line instead: in double
 * quotes as written, else up to ` #` with trailing blanks dropped.
 *
 * The lexer knows no verbs; parse.c asks it for words or for text.
 */
#include <ctype.h>
#include <string.h>

#include "scn.h"

/*
 * lex_line() - the next line of the text at *@t (before @end) into @line,
 * CR LF or LF dropped; *@t moves past it.  -EINVAL when it is too long for
 * @size or holds a control character (@err says which).
 */
int lex_line(const char **t, const char *end, char *line, size_t size, char *err, size_t len)
{
	const char *nl = memchr(*t, '\n', (size_t)(end - *t));
	size_t n = nl ? (size_t)(nl - *t) : (size_t)(end - *t);

	if (n >= size)
		return fail(err, len, "line longer than %zu characters", size - 1);
	memcpy(line, *t, n);
	line[n] = 0;
	if (n && line[n - 1] == '\r')
		line[n - 1] = 0;
	*t += n + (nl ? 1 : 0);
	for (char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\t')
			return fail(err, len, "control character 0x%02x in the line", (unsigned char)*c);
	return 0;
}

/* lex_word_len() - the length of the word @s starts with. */
size_t lex_word_len(const char *s)
{
	return strcspn(s, " \t");
}

/*
 * lex_text() - the text of a text verb: @rest is the line after the verb's
 * word; *@text points into it.  -EINVAL for an unterminated quote.
 */
int lex_text(char *rest, char **text)
{
	char *t = rest, *e;

	while (*t == ' ' || *t == '\t')
		t++;
	if (*t == '"') {
		e = strrchr(t + 1, '"');
		if (!e)
			return -EINVAL;
		*e = 0;
		t++;
	} else {
		char *hash = strstr(t, " #");

		if (hash)
			*hash = 0;
		if (*t == '#')
			*t = 0;
	}
	e = t + strlen(t);
	while (e > t && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = 0;
	*text = t;
	return 0;
}

/*
 * lex_words() - split @line (its leading blanks skipped) into at most @max
 * words, in place, a comment dropped: the number of words, or -E2BIG.
 */
int lex_words(char *line, char **tok, int max)
{
	int n = 0;

	for (char *p = line; *p; p++)
		if (*p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t')) {
			*p = 0;
			break;
		}
	for (char *p = line; *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (n == max)
			return -E2BIG;
		tok[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = 0;
	}
	return n;
}

/* lex_is_key() - is @t a key=value word? */
bool lex_is_key(const char *t)
{
	const char *eq = strchr(t, '=');

	if (!eq || eq == t || !(isalpha((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (const char *p = t; p < eq; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return true;
}
