// SPDX-License-Identifier: Apache-2.0
#include "web/html.h"

#include <string.h>
#include <time.h>

#include "data/hex.h"

void html__text_n(FILE *f, const char *s, size_t n)
{
	if (!s)
		return;
	for (size_t i = 0; i < n && s[i]; i++) {
		switch (s[i]) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			/* control characters would only confuse a reader */
			if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
				fputs("\xef\xbf\xbd", f);
			else
				fputc(s[i], f);
		}
	}
}

void html__text(FILE *f, const char *s)
{
	if (s)
		html__text_n(f, s, strlen(s));
}

void html__time(FILE *f, uint64_t ns)
{
	time_t t = (time_t)(ns / 1000000000ULL);
	struct tm tm;
	char buf[32];

	if (!ns || !gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm)) {
		fputs("\xe2\x80\x94", f);
		return;
	}
	fputs(buf, f);
}

void html__age(FILE *f, uint64_t ns, uint64_t now_ns)
{
	static const struct { uint64_t s; const char *unit; } units[] = {
		{ 86400, "d" }, { 3600, "h" }, { 60, "min" }, { 1, "s" },
	};
	uint64_t s;

	if (!ns) {
		fputs("\xe2\x80\x94", f);
		return;
	}
	if (ns > now_ns + 60000000000ULL) {
		fputs("in the future", f);
		return;
	}
	s = ns < now_ns ? (now_ns - ns) / 1000000000ULL : 0;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (s >= units[i].s || units[i].s == 1) {
			fprintf(f, "%llu %s ago", (unsigned long long)(s / units[i].s), units[i].unit);
			return;
		}
	}
}

void html__bytes(FILE *f, uint64_t n)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	if (!u)
		fprintf(f, "%llu B", (unsigned long long)n);
	else
		fprintf(f, "%.1f %s", v, units[u]);
}

int html__url_decode(char *s, bool form)
{
	char *out = s;

	for (; *s; s++) {
		if (*s == '%') {
			int hi = hex__digit(s[1]), lo = hi < 0 ? -1 : hex__digit(s[2]);

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			*out++ = (char)(hi << 4 | lo);
			s += 2;
		} else if (form && *s == '+') {
			*out++ = ' ';
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
	return 0;
}
