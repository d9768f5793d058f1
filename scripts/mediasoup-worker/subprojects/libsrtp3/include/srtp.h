/*
 * huddle: libsrtp 3.0 API compatibility shim over Debian's libsrtp2 (2.5).
 *
 * mediasoup 3.19.x is written against versatica's libsrtp 3.0 fork. Debian 12
 * ships libsrtp2 2.5, whose API differs in a few places. This header is named
 * srtp.h and sits first on the include path of the worker (via the local
 * `libsrtp3` meson subproject), so `#include <srtp.h>` in the worker lands
 * here. It pulls in the real libsrtp2 header and adds, for C++ only:
 *
 *  - srtp_protect / srtp_protect_rtcp (ctx, in, in_len, out, size_t* out_len,
 *    mki_index) and srtp_unprotect / srtp_unprotect_rtcp (ctx, in, in_len,
 *    out, size_t* out_len): `*out_len` is the output capacity on input and the
 *    resulting length on output. Implemented by moving the input into the
 *    output buffer and calling libsrtp2's in-place functions with an int
 *    length. A non-zero MKI index is refused (mediasoup never uses MKI).
 *  - srtp_stream_remove (3.0 name of srtp_remove_stream).
 *  - srtp_err_status_buffer_small and srtp_err_status_cryptex_err (3.0 codes).
 */
#ifndef HUDDLE_LIBSRTP3_COMPAT_SRTP_H
#define HUDDLE_LIBSRTP3_COMPAT_SRTP_H

#include <srtp2/srtp.h>

#ifdef __cplusplus

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>

/* Error codes added in libsrtp 3.0 (same numeric values as in 3.0; both fit in
 * the value range of libsrtp2's srtp_err_status_t, whose last code is 27). */
inline constexpr srtp_err_status_t srtp_err_status_buffer_small =
  static_cast<srtp_err_status_t>(28);
inline constexpr srtp_err_status_t srtp_err_status_cryptex_err =
  static_cast<srtp_err_status_t>(29);

namespace huddle_srtp_compat
{
	using InPlaceFn = srtp_err_status_t (*)(srtp_t, void*, int*);

	/* `growth` is how many bytes the operation may add to the packet. */
	inline srtp_err_status_t Run(
	  InPlaceFn fn,
	  srtp_t ctx,
	  const uint8_t* in,
	  size_t inLen,
	  uint8_t* out,
	  size_t* outLen,
	  size_t growth)
	{
		if (!ctx || !out || !outLen || (!in && inLen != 0))
		{
			return srtp_err_status_bad_param;
		}

		/* libsrtp2 takes an int length: guard against overflow. */
		if (inLen > static_cast<size_t>(INT_MAX) - growth)
		{
			return srtp_err_status_bad_param;
		}

		/* libsrtp2 writes up to `growth` bytes past the input in place. */
		if (*outLen < inLen + growth)
		{
			return srtp_err_status_buffer_small;
		}

		if (out != in && inLen != 0)
		{
			std::memmove(out, in, inLen);
		}

		int len = static_cast<int>(inLen);

		const srtp_err_status_t status = fn(ctx, out, &len);

		if (status != srtp_err_status_ok)
		{
			return status;
		}

		if (len < 0 || static_cast<size_t>(len) > *outLen)
		{
			return srtp_err_status_fail;
		}

		*outLen = static_cast<size_t>(len);

		return srtp_err_status_ok;
	}
} // namespace huddle_srtp_compat

inline srtp_err_status_t srtp_protect(
  srtp_t ctx, const uint8_t* rtp, size_t rtpLen, uint8_t* srtp, size_t* srtpLen, size_t mkiIndex)
{
	if (mkiIndex != 0)
	{
		return srtp_err_status_bad_mki;
	}

	return huddle_srtp_compat::Run(
	  static_cast<huddle_srtp_compat::InPlaceFn>(&::srtp_protect),
	  ctx,
	  rtp,
	  rtpLen,
	  srtp,
	  srtpLen,
	  SRTP_MAX_TRAILER_LEN);
}

inline srtp_err_status_t srtp_unprotect(
  srtp_t ctx, const uint8_t* srtp, size_t srtpLen, uint8_t* rtp, size_t* rtpLen)
{
	/* Unprotect only shrinks the packet. */
	return huddle_srtp_compat::Run(
	  static_cast<huddle_srtp_compat::InPlaceFn>(&::srtp_unprotect), ctx, srtp, srtpLen, rtp, rtpLen, 0);
}

inline srtp_err_status_t srtp_protect_rtcp(
  srtp_t ctx, const uint8_t* rtcp, size_t rtcpLen, uint8_t* srtcp, size_t* srtcpLen, size_t mkiIndex)
{
	if (mkiIndex != 0)
	{
		return srtp_err_status_bad_mki;
	}

	/* SRTCP adds the 4-byte E+index word besides the trailer. */
	return huddle_srtp_compat::Run(
	  static_cast<huddle_srtp_compat::InPlaceFn>(&::srtp_protect_rtcp),
	  ctx,
	  rtcp,
	  rtcpLen,
	  srtcp,
	  srtcpLen,
	  SRTP_MAX_TRAILER_LEN + 4);
}

inline srtp_err_status_t srtp_unprotect_rtcp(
  srtp_t ctx, const uint8_t* srtcp, size_t srtcpLen, uint8_t* rtcp, size_t* rtcpLen)
{
	return huddle_srtp_compat::Run(
	  static_cast<huddle_srtp_compat::InPlaceFn>(&::srtp_unprotect_rtcp),
	  ctx,
	  srtcp,
	  srtcpLen,
	  rtcp,
	  rtcpLen,
	  0);
}

inline srtp_err_status_t srtp_stream_remove(srtp_t session, uint32_t ssrc)
{
	return srtp_remove_stream(session, ssrc);
}

#endif /* __cplusplus */

#endif /* HUDDLE_LIBSRTP3_COMPAT_SRTP_H */
